#!/bin/bash
# RESULTS-mend-s18-capture.sh OUTDIR: the English help and error screens of the commands mend-s18
# touches, one file each (run from a checkout; BAYPLAN=path/to/bayplan to use another tree's).
B=$(realpath "${BAYPLAN:-.venv/bin/bayplan}")
O=$(realpath -m "$1"); mkdir -p "$O"; W=$(mktemp -d); cd "$W"
unset BAYPLAN_LANG
touch a.db; printf 'x\n' > bad.csv
printf 'order_id,arrived_at,service,booked,waiter,fleet_partner\n1,2011-01-03T08:00,LUBE,1,0,\n' > naive.csv
printf 'order_id,arrived_at,service,booked,waiter,fleet_partner\n' > empty.csv
rm -f k.db; $B keys create --role admin --workshop '*' --db sqlite:///k.db >/dev/null 2>&1
i=0
run() { i=$((i+1)); { echo "\$ $*"; COLUMNS=80 $B "$@" 2>&1; echo "rc=$?"; } > $O/$(printf %02d $i).txt; }
run --help
run workshop --help
run workshop push --help
run workshop push small-dealer --url ftp://x
run workshop push small-dealer --url http://127.0.0.1:1
run backup --help
run backup --db foo://
run backup --db mysql://x/y
run backup --db sqlite://
run backup --db sqlite:///none.db
run backup --db sqlite:///a.db --out a.db
run backup --db postgresql://u:p@h/d
run history --help
run history fit --help
run history export --help
run history export --workshop x --db sqlite:///none.db
run history export --workshop x --db sqlite:///k.db --from 2026-01-02 --to 2026-01-01
run history export --workshop x --db sqlite:///k.db --out /nonexistent/x.csv
run history fit dealer-2011 bad.csv
run history fit dealer-2011 naive.csv
run history fit dealer-2011 empty.csv
run history fit dealer-2011 naive.csv --skip-bad
run keys --help
run keys create --help
run keys list --help
run keys revoke --help
run keys revoke nope --db sqlite:///k.db
run serve --help
run serve --cluster tcp://127.0.0.1:1
run report --help
run replan --help
run keys create --role technician --workshop small-dealer --db sqlite:///k.db
run keys create --role technician --workshop small-dealer --technician M02 --label wang --db sqlite:///k.db
run backtest --replications 1
