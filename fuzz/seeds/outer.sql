SELECT t.tranid, c.companyname, NVL(c.email, '-') FROM transaction t, customer c WHERE t.entity = c.id(+) AND t.type = 'SalesOrd' AND ROWNUM <= 10
