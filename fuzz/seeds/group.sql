SELECT type, COUNT(*) AS n, SUM(foreigntotal) FROM transaction WHERE posting = 'T' GROUP BY type HAVING COUNT(*) > 1 ORDER BY n DESC NULLS LAST
