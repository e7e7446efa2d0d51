/** Scripting (eval.c, script_lua.c): EVAL, EVALSHA, SCRIPT ... declared here by the scripting family. */
export {};
