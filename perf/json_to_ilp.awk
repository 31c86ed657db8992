# The kcat peer's converter: one flat JSON object per input line to one ILP row,
# the same rows kilp writes for the trades mapping. No real JSON parser (that is
# the point of the peer: the cheapest converter a shell user would write); it
# assumes flat objects whose strings hold no ',' or '"'.
#   kcat -C ... -e | mawk -v table=trades -v symbols=symbol,side -v ts=ts -f json_to_ilp.awk
# Timestamps are taken as microseconds and written as nanoseconds.
BEGIN {
  FS = ","
  n = split(symbols, list, ",")
  for (i = 1; i <= n; i++) is_symbol[list[i]] = 1
}
{
  sub(/^\{/, ""); sub(/\}$/, "")
  tags = table; fields = ""; stamp = ""
  for (i = 1; i <= NF; i++) {
    colon = index($i, "\":")
    key = substr($i, 2, colon - 2)
    value = substr($i, colon + 2)
    if (key == ts) { stamp = " " value "000"; continue }
    quoted = substr(value, 1, 1) == "\""
    if (quoted) value = substr(value, 2, length(value) - 2)
    if (key in is_symbol) { tags = tags "," key "=" value; continue }
    if (quoted) value = "\"" value "\""
    else if (value !~ /[.eE]/ && value != "true" && value != "false") value = value "i"
    else if (value == "true") value = "t"
    else if (value == "false") value = "f"
    fields = fields (fields == "" ? "" : ",") key "=" value
  }
  print tags " " fields stamp
}
