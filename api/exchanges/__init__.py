"""Exchange requests, their ranked peers, and the exchanges brokered from them."""
