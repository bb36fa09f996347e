/**
 * Pure: our ServerSettings → a vsftpd.conf (vsftpd 3.0.x, Debian), so scenarios can run against a
 * real vsftpd (`--server vsftpd`). Anything vsftpd cannot do is listed in `unsupported` — the caller
 * reports the scenario as not reproducible with vsftpd instead of running something else.
 */
import type { ServerSettings } from '../topology/model.js';
import { portSpec } from './addresses.js';

export interface VsftpdPaths {
  /** The anonymous root: must exist and not be writable by the `ftp` user (vsftpd refuses). */
  root: string;
  /** An empty directory vsftpd chroots its unprivileged helper into. */
  emptyDir: string;
  /** PEM files; needed when settings.tls is not 'none'. */
  certFile?: string;
  keyFile?: string;
}

export interface VsftpdConfig {
  config: string;
  /** One sentence per setting vsftpd cannot honour. */
  unsupported: string[];
}

function range(spec: string): { from: number; to: number } {
  const [from, to] = portSpec(spec).split('-').map(Number);
  return { from: from as number, to: to ?? (from as number) };
}

function yes(value: boolean | undefined): 'YES' | 'NO' {
  return value ? 'YES' : 'NO';
}

export function vsftpdConfig(settings: ServerSettings, listenAddress: string, paths: VsftpdPaths): VsftpdConfig {
  const unsupported: string[] = [];
  const tls = settings.tls ?? 'none';
  // An IPv6 socket ('::' takes IPv4 too, as mapped addresses) for a dual-stack server host.
  const ipv6 = listenAddress.includes(':');
  const lines: Record<string, string | number> = {
    listen: yes(!ipv6),
    listen_ipv6: yes(ipv6),
    ...(ipv6 ? (listenAddress === '::' ? {} : { listen_address6: listenAddress }) : { listen_address: listenAddress }),
    listen_port: settings.port ?? (tls === 'implicit' ? 990 : 21),
    // We supervise the process: stay in the foreground, no seccomp (it breaks in some sandboxes).
    background: 'NO',
    seccomp_sandbox: 'NO',
    secure_chroot_dir: paths.emptyDir,
    anonymous_enable: 'YES',
    no_anon_password: 'YES',
    anon_root: paths.root,
    local_enable: 'NO',
    write_enable: 'NO',
    dirmessage_enable: 'NO',
    xferlog_enable: 'NO',
    // vsftpd's "425 Security: Bad IP connecting" is what DATA_SOURCE_REJECTED diagnoses.
    pasv_promiscuous: 'NO',
    pasv_enable: 'YES',
    port_enable: yes(!settings.misbehave?.refusePort),
  };
  const passive = settings.misbehave?.outOfRangePorts ?? settings.pasvRange;
  if (passive) {
    const { from, to } = range(passive);
    lines.pasv_min_port = from;
    lines.pasv_max_port = to;
  }
  const advertised = settings.misbehave?.advertiseAddress ?? settings.externalIp;
  if (advertised) {
    lines.pasv_address = advertised;
    lines.pasv_addr_resolve = 'NO';
  }
  if (settings.activeSourcePort === 20) {
    lines.connect_from_port_20 = 'YES';
  } else if (settings.activeSourcePort !== undefined) {
    lines.connect_from_port_20 = 'YES';
    lines.ftp_data_port = settings.activeSourcePort;
  } else {
    // Without a fixed source port vsftpd connects from an ephemeral one, as our server does.
    lines.connect_from_port_20 = 'NO';
  }
  if (settings.throttleBytesPerSecond !== undefined) lines.anon_max_rate = Math.max(1, Math.floor(settings.throttleBytesPerSecond));
  if (tls !== 'none') {
    if (!paths.certFile || !paths.keyFile) throw new Error('vsftpd with TLS needs certFile and keyFile');
    Object.assign(lines, {
      ssl_enable: 'YES',
      implicit_ssl: yes(tls === 'implicit'),
      allow_anon_ssl: 'YES',
      rsa_cert_file: paths.certFile,
      rsa_private_key_file: paths.keyFile,
      force_anon_logins_ssl: yes(settings.requireTls),
      force_anon_data_ssl: yes(settings.requireTls),
      force_local_logins_ssl: 'NO',
      force_local_data_ssl: 'NO',
      // vsftpd defaults to YES; our model defaults to not requiring it.
      require_ssl_reuse: yes(settings.requireSessionReuse),
      ssl_request_cert: 'NO',
      ssl_tlsv1: 'YES',
      ssl_sslv2: 'NO',
      ssl_sslv3: 'NO',
      ssl_ciphers: 'HIGH',
    });
  } else if (settings.requireTls || settings.requireSessionReuse) {
    unsupported.push('requireTls/requireSessionReuse need tls explicit or implicit');
  }
  if (settings.allowCcc) unsupported.push('vsftpd does not implement CCC (RFC 4217 §12.3)');
  if (settings.misbehave?.refuseEpsv) unsupported.push('vsftpd cannot refuse EPSV while allowing PASV');
  if (settings.misbehave?.coalesceReplies) unsupported.push('vsftpd cannot coalesce replies on purpose');
  const config = Object.entries(lines).map(([key, value]) => `${key}=${value}`).join('\n');
  return { config: `${config}\n`, unsupported };
}
