"""Personal data: sealed per participant, erased by destroying their key."""
