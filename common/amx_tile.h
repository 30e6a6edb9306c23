// The AMX tile configuration both AMX kernels use (bf16 TDPBF16PS, int8 TDPBUSD): palette 1,
// all eight tile registers 16 rows x 64 bytes (16 fp32/int32 of C, 32 bf16 or 64 int8 of A/B).
// Layout of the 64-byte LDTILECFG operand: Intel SDM Vol. 1 ch. 18 "Intel AMX", Table
// "Tile configuration" (palette_id, start_row, reserved, colsb[16] as 16-bit, rows[16]).
// Plain data: include from any file; only the kernels that load it need the AMX target flags.
#pragma once
#include <cstdint>

namespace ik {

struct alignas(64) AmxTileConfig {
  std::uint8_t palette_id = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
};

inline const AmxTileConfig& amx_tile_config_16x64() {
  static const AmxTileConfig cfg = [] {
    AmxTileConfig c;
    for (int t = 0; t < 8; ++t) {
      c.colsb[t] = 64;
      c.rows[t] = 16;
    }
    return c;
  }();
  return cfg;
}

}  // namespace ik
