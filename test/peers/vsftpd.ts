/** Tests start real vsftpd peers through the product's own launcher. */
export * from '../../src/netns/vsftpd.js';
