"""The GraphQL face of Agora: thin resolvers from input to use case to payload."""
