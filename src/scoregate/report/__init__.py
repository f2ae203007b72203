"""Reports: JUnit XML, markdown (PR comment and job summary), terminal, GitHub."""
