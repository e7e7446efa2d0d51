/** Streams (t_stream.c): declared here by the streams family. */
export {};
