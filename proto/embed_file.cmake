# cmake -DIN=<file> -DOUT=<file.cc> -DSYMBOL=<name> -P embed_file.cmake
# Writes a C++ source defining
#   extern const unsigned char <SYMBOL>[]; extern const std::size_t <SYMBOL>Size;
# with the bytes of IN (namespace maesn::gen).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){20})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by embed_file.cmake. Do not edit.\n"
  "#include <cstddef>\n"
  "namespace maesn::gen {\n"
  "extern const unsigned char ${SYMBOL}[];\n"
  "extern const std::size_t ${SYMBOL}Size;\n"
  "const unsigned char ${SYMBOL}[] = {\n${bytes}\n};\n"
  "const std::size_t ${SYMBOL}Size = ${size};\n"
  "}  // namespace maesn::gen\n")
file(RENAME "${OUT}.tmp" "${OUT}")
