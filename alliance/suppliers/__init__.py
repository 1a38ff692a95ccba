"""The supplier side: readiness declarations per criterion, and subscriptions to sectors and CPV codes."""
