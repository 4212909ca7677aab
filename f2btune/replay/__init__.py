"""``f2btune replay``: a real fail2ban-server in a sandbox, fed a closed-loop flood, measured from /proc."""
