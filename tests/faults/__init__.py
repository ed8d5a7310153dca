"""Black-box fault-injection tests: real `cohorte run` processes against a fake Bot API."""
