"""The Docker-free local stack (``hearth local``) and the pieces the tests share with it."""
