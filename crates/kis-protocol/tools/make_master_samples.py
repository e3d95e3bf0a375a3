#!/usr/bin/env python3
# Run from crates/kis-protocol/tests/data: writes kospi_code.sample.mst and kosdaq_code.sample.mst.
# Builds the two sample master files in KIS's fixed-width layout (field widths from KIS's open-trading-api
# parsers). Figures are illustrative, not KIS data.
KOSPI = [2,1,4,4,4]+[1]*25+[1,9,5,5,1, 1,1,2,1,1, 1,2,2,2,3, 1,3,12,12,8, 15,21,2,7,1, 1,1,1,1,9, 9,9,5,9,8, 9,3,1,1,1]
KOSDAQ = [2,1, 4,4,4,1,1]+[1]*19+[9, 5,5,1,1,1, 2,1,1,1,2, 2,2,3,1,3, 12,12,8,15,21, 2,7,1,1,1, 1,9,9,9,5, 9,8,9,3,1, 1,1]
assert sum(KOSPI)==227 and sum(KOSDAQ)==221, (sum(KOSPI), sum(KOSDAQ))
def tail(widths, values):
    out=[]
    for i,w in enumerate(widths):
        v=str(values.get(i,''))
        assert len(v)<=w,(i,v,w)
        out.append(v.rjust(w,'0') if v.isdigit() and len(v)>0 and w>2 else v.ljust(w))
    return ''.join(out)
def line(code,std,name,widths,values):
    return (code.ljust(9)+std.ljust(12)+name).encode('cp949')+tail(widths,values).encode('ascii')+b'\n'
# KOSPI field indices: 0 group, 8 kospi200 sector, 19 spac, 31 base price, 34 halt, 35 liquidation, 36 administrative,
# 37 warning, 49 listed date, 50 listed shares (thousands), 54 preferred, 65 market cap (eok)
def kospi(code,std,name,group='ST',k200='0',spac='N',price=10000,halt='N',pref='0',shares=1000,cap=100,date='20000101',warn='00'):
    v={0:group,1:'1',5:'Y',8:k200,9:'N',10:'N',11:'Y',19:spac,31:price,32:1,33:1,34:halt,35:'N',36:'N',37:warn,38:'N',39:'N',49:date,50:shares,54:pref,65:cap}
    return line(code,std,name,KOSPI,v)
# KOSDAQ indices: 0 group, 14 spac, 25 kosdaq150, 26 base price, 29 halt, 30 liquidation, 31 administrative,
# 32 warning, 44 listed date, 45 listed shares (thousands), 49 preferred, 59 market cap (eok)
def kosdaq(code,std,name,group='ST',k150='N',spac='N',price=10000,halt='N',pref='0',shares=1000,cap=100,date='20000101',adm='N'):
    v={0:group,1:'1',7:'Y',14:spac,25:k150,26:price,27:1,28:1,29:halt,30:'N',31:adm,32:'00',33:'N',34:'N',44:date,45:shares,49:pref,59:cap}
    return line(code,std,name,KOSDAQ,v)
with open('kospi_code.sample.mst','wb') as f:
    f.write(kospi('005930','KR7005930003','삼성전자',k200='5',price=71500,shares=5969783,cap=4268394,date='19750611'))
    f.write(kospi('005935','KR7005931001','삼성전자우',k200='5',price=59000,pref='1',shares=822887,cap=485503,date='19890925'))
    f.write(kospi('000660','KR7000660001','SK하이닉스',k200='5',price=180000,shares=728002,cap=1310404,date='19961226'))
    f.write(kospi('069500','KR7069500007','KODEX 200',group='EF',price=35000,shares=100000,cap=35000,date='20021014'))
    f.write(kospi('005380','KR7005380001','현대차',k200='8',price=250000,shares=209416,cap=523540,date='19740602'))
    f.write(kospi('123450','KR7123450009','가상스팩제1호',spac='Y',price=2000,shares=5000,cap=100,date='20240102'))
    f.write(kospi('234560','KR7234560001','거래정지테스트',halt='Y',price=5000,shares=20000,cap=1000,date='20100505'))
with open('kosdaq_code.sample.mst','wb') as f:
    f.write(kosdaq('247540','KR7247540008','에코프로비엠',k150='Y',price=200000,shares=97801,cap=195602,date='20190305'))
    f.write(kosdaq('196170','KR7196170005','알테오젠',k150='Y',price=300000,shares=53169,cap=159507,date='20141212'))
    f.write(kosdaq('345670','KR7345670003','관리종목테스트',price=1500,shares=30000,cap=450,date='20200707',adm='Y'))
    f.write(kosdaq('035900','KR7035900000','JYP Ent.',k150='Y',price=70000,shares=35500,cap=24850,date='20011022'))
