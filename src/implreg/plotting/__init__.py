"""Figure drawing: reads measured numbers, never trains."""
