/**
 * Labels of the rendered NTLM/Operational messages → XML `Data` names, per event id, so
 * that Event Viewer text exports ("Target server: cifs/fs1") map back onto the fields
 * the XML carries (TargetName). Labels are stored without their trailing colon.
 *
 * Classic events (8001–8006, 4001–4006, 4010–4015): labels verbatim from the provider
 * manifests' message templates. Enhanced events (4020–4033): labels as community
 * collectors parse them from rendered messages (no manifest was available), mapped onto
 * the catalogue's field names; `Process ID` → ProcessPID is our own inference. A label
 * missing here is not lost: import keeps it under its label text.
 */
import { EVENTS } from '../../events/catalogue.js';

/** [label, Data name] pairs in message order. */
export type LabelTable = readonly (readonly [label: string, field: string])[];

const CLIENT_BLOCK: LabelTable = [
  ['Target server', 'TargetName'],
  ['Supplied user', 'UserName'],
  ['Supplied domain', 'DomainName'],
  ['PID of client process', 'CallerPID'],
  ['Name of client process', 'ProcessName'],
  ['LUID of client process', 'ClientLUID'],
  ['User identity of client process', 'ClientUserName'],
  ['Domain name of user identity of client process', 'ClientDomainName'],
  ['Mechanism OID', 'MechanismOID'],
];

const SERVER_BLOCK: LabelTable = [
  ['Calling process PID', 'CallerPID'],
  ['Calling process name', 'ProcessName'],
  ['Calling process LUID', 'ClientLUID'],
  ['Calling process user identity', 'ClientUserName'],
  ['Calling process domain identity', 'ClientDomainName'],
  ['Mechanism OID', 'MechanismOID'],
];

const SERVER_DOMAIN: LabelTable = [
  ['User', 'UserName'],
  ['Domain', 'DomainName'],
  ['Workstation', 'Workstation'],
  ['PID', 'CallerPID'],
  ['Process', 'ProcessName'],
  ['Logon type', 'LogonType'],
  ['InProc', 'InProc'],
  ['Mechanism', 'MechanismOID'],
];

const DOMAIN_CONTROLLER: LabelTable = [
  ['Secure Channel name', 'SChannelName'],
  ['User name', 'UserName'],
  ['Domain name', 'DomainName'],
  ['Workstation name', 'WorkstationName'],
  ['Secure Channel type', 'SChannelType'],
];

const MIN_SECURITY: LabelTable = [
  ['Calling process PID', 'CallerPID'],
  ['Calling Process Name', 'ProcessName'],
  ['Negotiated Security Flags', 'NegotiatedSecurity'],
  ['Minimum Security Flags', 'RequiredSecurity'],
];

/** 4012: the DC-generated secret failed, the domain password worked. */
const PASSWORD_FALLBACK: LabelTable = [
  ['Account Name', 'AccountName'],
  ['Device Name', 'DeviceName'],
];

/** 4014: credential key request blocked by Credential Guard. */
const CREDENTIAL_GUARD: LabelTable = [
  ['Calling Process Name', 'ImageName'],
  ['Service Host Tag', 'SvcHostTag'],
];

/** Enhanced events; each id keeps the rows whose field its catalogue template has. */
const ENHANCED: LabelTable = [
  ['Username', 'Username'],
  ['User Name', 'Username'],
  ['Domain', 'DomainName'],
  ['Process Name', 'ProcessName'],
  ['Process ID', 'ProcessPID'],
  ['Target Resource', 'TargetService'],
  ['Target Machine', 'TargetMachine'],
  ['Target IP', 'TargetIP'],
  ['Client Machine', 'RemoteClientMachine'],
  ['Client IP', 'ClientIP'],
  ['Server IP', 'ServerIP'],
  ['NTLM Version', 'NtlmVersion'],
  ['Reason ID', 'NtlmUsageId'],
  ['Reason', 'NtlmUsageReason'],
  ['MIC Status', 'MicStatus'],
  ['Channel Binding', 'ChannelBindingStatus'],
  ['Status', 'Status'],
];

function enhanced(id: number): LabelTable {
  const fields = new Set(EVENTS.get(id)?.fields ?? []);
  return ENHANCED.filter(([, field]) => fields.has(field));
}

const tables: [number, LabelTable][] = [
  ...[8001, 4001, 4013, 4015].map((id): [number, LabelTable] => [id, CLIENT_BLOCK]),
  ...[8002, 4002].map((id): [number, LabelTable] => [id, SERVER_BLOCK]),
  ...[8003, 4003].map((id): [number, LabelTable] => [id, SERVER_DOMAIN]),
  ...[8004, 8005, 8006, 4004, 4005, 4006].map((id): [number, LabelTable] => [id, DOMAIN_CONTROLLER]),
  ...[4010, 4011].map((id): [number, LabelTable] => [id, MIN_SECURITY]),
  [4012, PASSWORD_FALLBACK],
  [4014, CREDENTIAL_GUARD],
  ...[4020, 4021, 4022, 4023, 4024, 4025, 4030, 4031, 4032, 4033].map((id): [number, LabelTable] => [id, enhanced(id)]),
];

export const EVENT_LABELS: ReadonlyMap<number, LabelTable> = new Map(tables);

/** Label comparison key: case and runs of whitespace do not matter. */
export function labelKey(label: string): string {
  return label.trim().replace(/\s+/g, ' ').toLowerCase();
}

const lookup: ReadonlyMap<number, ReadonlyMap<string, string>> = new Map(
  tables.map(([id, table]) => [id, new Map(table.map(([label, field]) => [labelKey(label), field]))]),
);

/** The Data name a rendered label stands for in this event, or undefined if we do not know it. */
export function fieldForLabel(eventId: number, label: string): string | undefined {
  return lookup.get(eventId)?.get(labelKey(label));
}
