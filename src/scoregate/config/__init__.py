"""Config: experiments.yaml to frozen values (JSON Schema, `${ENV}`, errors with file:line)."""
