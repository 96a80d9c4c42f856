"""The agents: tools they call, how they are provisioned on Letta, and the approval loop."""
