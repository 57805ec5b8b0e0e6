SELECT * FROM (SELECT a.*, ROWNUM rnum FROM (SELECT id, tranid FROM transaction ORDER BY id DESC) a WHERE ROWNUM <= 20) WHERE rnum > 10
