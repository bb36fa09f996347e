/** Cloud security groups / network security groups in front of the server. */
import { dash, firewallRangeWords, type ProductRemedies } from './types.js';

const product = 'Cloud security group';

export const cloud: ProductRemedies = {
  product,
  kind: 'network',
  table: {
    'open-control': (context) => ({
      product,
      text: `Allow TCP ${context.controlPort} inbound to the server from your clients.`,
      commands: [`aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port ${context.controlPort} --cidr <client CIDR>`],
    }),
    'open-passive-range': (context) => ({
      product,
      text: `Cloud firewalls have no FTP inspection: allow the passive range ${firewallRangeWords(context)} inbound explicitly.`,
      commands: [
        `aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port ${dash(context.range)} --cidr <client CIDR>`,
        `az network nsg rule create --resource-group <group> --nsg-name <nsg> --name ftp-passive --priority 310 --access Allow --protocol Tcp --direction Inbound --destination-port-ranges ${dash(context.range)}`,
        `gcloud compute firewall-rules create ftp-passive --allow tcp:${dash(context.range)} --source-ranges <client CIDR>`,
      ],
    }),
    'public-address': (context) => ({
      product,
      text: `A cloud instance only knows its private address; configure the server to advertise its public address ${context.publicAddress}.`,
    }),
    'idle-timeout': () => ({
      product,
      text: 'Cloud NAT gateways and load balancers drop idle connections (often after 4-6 minutes); enable TCP keep-alive on the control connection or raise the idle timeout where the platform allows it.',
    }),
  },
};
