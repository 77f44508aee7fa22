"""The implementations behind the identity ports: argon2, AES-GCM, JWT, Redis revocations."""
