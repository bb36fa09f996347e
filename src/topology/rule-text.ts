/**
 * A firewall rule of a scenario in nftables-like words ("in tcp dport 21 accept"): the label the
 * simulator's trace and the kernel backend's attribution both give a rule without a comment, so
 * both backends name the same rule the same way.
 */
import type { Rule } from './model.js';

export function renderRule(rule: Rule): string {
  const parts: string[] = [];
  if (rule.direction) parts.push(rule.direction);
  if (rule.family !== undefined) parts.push(`ipv${rule.family}`);
  parts.push('tcp');
  if (rule.src !== undefined) parts.push(`saddr ${rule.src}`);
  if (rule.dst !== undefined) parts.push(`daddr ${rule.dst}`);
  if (rule.sport !== undefined) parts.push(`sport ${rule.sport}`);
  if (rule.dport !== undefined) parts.push(`dport ${rule.dport}`);
  if (rule.state !== undefined) parts.push(`ct state ${rule.state.join(',')}`);
  parts.push(rule.action);
  return parts.join(' ');
}
