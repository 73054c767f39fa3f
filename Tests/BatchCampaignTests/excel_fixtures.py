#!/usr/bin/env python3
"""Excel fixtures for BatchCampaignTests, made and read by openpyxl (an independent implementation).

  excel_fixtures.py write-xlsx SPEC.json OUT.xlsx
  excel_fixtures.py write-csv SPEC.json OUT.csv utf-8-sig|utf-8|utf-16 SEPARATOR
  excel_fixtures.py read-xlsx IN.xlsx          (prints the first sheet as JSON)
  excel_fixtures.py bench-xlsx ROWS OUT.xlsx   (a large sheet for the benchmark, streamed)

A SPEC is {"rows": [[cell, ...], ...]}; a cell is null, {"s": text}, {"n": number} or
{"d": "yyyy-mm-dd"} (a date, stored by Excel as a serial number with a date format).
"""
import csv
import datetime
import json
import sys

import openpyxl


def value(cell):
    if cell is None:
        return None
    if "s" in cell:
        return cell["s"]
    if "n" in cell:
        return cell["n"]
    return datetime.datetime.strptime(cell["d"], "%Y-%m-%d")


def write_xlsx(spec, path):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in spec["rows"]:
        sheet.append([value(cell) for cell in row])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "dd/mm/yyyy"
    book.save(path)


def write_csv(spec, path, encoding, separator):
    separator = "\t" if separator == "tab" else separator
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
        for row in spec["rows"]:
            writer.writerow(["" if cell is None else str(cell.get("s", cell.get("n", cell.get("d")))) for cell in row])


def read_xlsx(path):
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            if cell.value is None:
                cells.append(None)
            elif isinstance(cell.value, datetime.datetime):
                cells.append({"d": cell.value.strftime("%Y-%m-%d")})
            elif isinstance(cell.value, (int, float)):
                cells.append({"n": cell.value})
            else:
                cells.append({"s": cell.value})
        rows.append(cells)
    json.dump({"rows": rows}, sys.stdout, ensure_ascii=False)


def bench_xlsx(count, path):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["STT", "Họ và tên", "Số CCCD", "Ngày sinh", "Đơn vị"])
    for index in range(count):
        # Every tenth ID lost its leading 0 (an 11-digit number), as Excel stores IDs typed as numbers.
        cccd = "0%02d0%02d%06d" % (1 + index % 90, index % 100, index % 1000000)
        cell = int(cccd) if index % 10 == 0 else cccd
        sheet.append([index + 1, "Nguyễn Văn An %d" % index, cell, 25569 + index % 20000, "Xã An Bình"])
    book.save(path)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "write-xlsx":
        write_xlsx(json.load(open(sys.argv[2], encoding="utf-8")), sys.argv[3])
    elif command == "write-csv":
        write_csv(json.load(open(sys.argv[2], encoding="utf-8")), sys.argv[3], sys.argv[4], sys.argv[5])
    elif command == "read-xlsx":
        read_xlsx(sys.argv[2])
    elif command == "bench-xlsx":
        bench_xlsx(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("unknown command " + command)
