ALTER INDEX clients_search RESET (gin_pending_list_limit);
ALTER INDEX contacts_search RESET (gin_pending_list_limit);
ALTER INDEX interactions_search RESET (gin_pending_list_limit);
ALTER INDEX transfers_search RESET (gin_pending_list_limit);
