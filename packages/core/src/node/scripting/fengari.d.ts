// fengari ships no type declarations: its CommonJS modules are used untyped by the Lua bridge.
declare module 'fengari/src/*' {
  const m: any;
  export default m;
}
