"""What each person hears: mail preferences, one-click unsubscribing, in-app notifications
and organisers' broadcasts."""
