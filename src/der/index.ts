/**
 * A minimal strict DER codec (ITU-T X.690 §8, §10) shared by SPNEGO, certificate
 * parsing and Kerberos. The lowest layer: it imports nothing from the rest of src/.
 */
export * from './errors.js';
export * from './decode.js';
export * from './oid.js';
export * from './read.js';
export * from './encode.js';
export * from './time.js';
