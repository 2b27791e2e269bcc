"""Parse: a RawReport's lines through the Lark grammar (grammars/report.lark) → Report."""
