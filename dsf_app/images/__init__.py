"""Image generation for worlds: one interface over the OpenAI and Google image APIs."""
