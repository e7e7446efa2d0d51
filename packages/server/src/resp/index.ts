/** RESP: the request parser and the reply encoder of the server. */
export {
  DEFAULT_CLIENT_MAX_QUERYBUF_LEN,
  DEFAULT_PROTO_MAX_BULK_LEN,
  PROTO_INLINE_MAX_SIZE,
  RespParser,
  splitArgs,
  type RespParserOptions,
} from './parser.ts';
export { BigNumber, ReplyWriter, encode, encodePush, errorLine, type RespVersion, type WireReply } from './encoder.ts';
