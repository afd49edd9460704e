/** The gmemsim version written into every log header (kept equal to package.json by a test). */
export const GMEMSIM_VERSION = '0.1.0';
