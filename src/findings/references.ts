/**
 * References the registry cites more than once, spelt once: vendor documents by publisher and title
 * (docs/sources.md describes each), never by any file name.
 */
export const IIS_FIREWALL_GUIDE = (section: string): string => `Microsoft, "Configuring FTP Firewall Settings in IIS 7" §${section}`;
export const IIS_RANGE_POST = 'Microsoft Developer Support, "Limiting Passive FTP Port Range on IIS 7.0 / IIS 6.0 / IIS 5.0"';
export const STATEFUL_FTP_SECTION = 'Using Windows Firewall with non-secure FTP traffic';
export const FTPS_SECTION = 'Using Windows Firewall with secure FTP over SSL (FTPS) traffic';
export const PASSIVE_MODES = ['epsv', 'pasv'] as const;
export const ACTIVE_MODES = ['port', 'eprt'] as const;
