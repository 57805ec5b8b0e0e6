SELECT t.id, t.tranid, BUILTIN.DF(t.entity) AS customer FROM transaction t WHERE t.id > 100 ORDER BY t.id FETCH FIRST 1000 ROWS ONLY
