"""How SAM sees Hearth: ``template.yaml`` read into typed specs, handler modules loaded by
file path, and API Gateway's behaviour (events, authorizer, routing) reproduced in process.
The local stack, the test suite and the OpenAPI build all use it; nothing keeps a second list
of routes."""
