"""Values: the frozen dataclasses every layer passes around, and the errors. Imports nothing of ours."""
