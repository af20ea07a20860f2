// [SECTION] The console without a GPU: an ImGui context with no backend (a font atlas built
// in memory, frames rendered to draw lists that nobody draws). For tests and `honbu-bench ui`.
#pragma once

#include <functional>
#include <memory>

#include "console/app.hpp"

namespace honbu::console {

class Headless {
 public:
  Headless(float width = 1920, float height = 1080);  // creates the ImGui context
  ~Headless();                                         // destroys it
  Headless(const Headless&) = delete;
  Headless& operator=(const Headless&) = delete;

  // One frame: NewFrame, build(), Render. Returns the CPU time it took, in ms.
  double frame(const std::function<void()>& build);
  // Frames until pred() or the timeout (results arrive from other threads between frames).
  bool frames_until(const std::function<void()>& build, const std::function<bool()>& pred, int timeout_ms);

  // Input for the next frame.
  void key(int key, bool ctrl = false);  // a press (KeysDown for one frame)
  void type(const char* utf8);           // characters
  void mouse(float x, float y, bool down);

 private:
  int pending_key_ = -1;
  bool pending_ctrl_ = false;
};

}  // namespace honbu::console
