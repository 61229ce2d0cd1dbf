// The instrumented lock types land with issue 4; this module is a placeholder until then.
