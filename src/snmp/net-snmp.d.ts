// The part of net-snmp (3.x, no bundled types) that src/snmp/agent.ts uses.
declare module 'net-snmp' {
  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface Mib {
    registerProvider(provider: MibProvider): void;
    setScalarValue(name: string, value: unknown): void;
    addTableRow(name: string, row: unknown[]): void;
    deleteTableRow(name: string, rowIndex: unknown[]): boolean;
  }

  export interface MibProvider {
    name: string;
    type: number;
    oid: string;
    maxAccess: number;
    scalarType?: number;
    tableColumns?: { number: number; name: string; type: number; maxAccess: number }[];
    tableIndex?: { columnName: string }[];
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export interface Authorizer {
    addCommunity(community: string): void;
    getCommunities(): string[];
    deleteCommunity(community: string): void;
    addUser(user: User): void;
    getUsers(): User[];
    deleteUser(name: string): void;
  }

  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    close(callback?: () => void): void;
  }

  export interface DgramModule {
    createSocket(type: 'udp4' | 'udp6'): import('node:dgram').Socket;
  }

  export interface AgentOptions {
    port: number;
    address: string | null;
    transport: 'udp4' | 'udp6';
    disableAuthorization: boolean;
    accessControlModelType: number;
    engineID?: string;
    dgramModule?: DgramModule;
  }

  export interface Session {
    trap(oid: string, varbinds: Varbind[], callback: (error: Error | null) => void): void;
    close(): void;
    on(event: 'error', fn: (error: Error) => void): void;
  }

  export function createAgent(options: AgentOptions, callback: (error: Error | null, data: unknown) => void): Agent;
  export function createSession(
    target: string,
    community: string,
    options: { version: number; trapPort: number; transport: 'udp4' | 'udp6'; retries?: number; timeout?: number },
  ): Session;

  export const Version2c: number;
  export const ObjectType: Record<string, number>;
  export const MibProviderType: { Scalar: number; Table: number };
  export const MaxAccess: Record<'not-accessible' | 'read-only', number>;
  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  export const AuthProtocols: { sha256: number };
  export const PrivProtocols: { aes: number };
  export const AccessControlModelType: { None: number; Simple: number };
}
