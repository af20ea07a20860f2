// [SECTION] The platform glue, all in one place: a GLFW window with an OpenGL 3 context,
// Dear ImGui's GLFW and OpenGL3 backends, the event loop (idle when nothing happens: waits
// for input or a wake-up; full speed while the user works), and PNG screenshots.
#pragma once

#include <functional>
#include <string>

namespace honbu::console {

struct WindowOptions {
  int width = 1600, height = 900;
  bool visible = true;
  std::string title = "Honbu 本部";
  float font_size = 18.0f;
};

class Platform {
 public:
  // Opens the window. Throws Error with a message a user can act on (no display...).
  explicit Platform(const WindowOptions& options);
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  // Wakes a waiting loop from any thread (new data, results).
  static void wake();
  // Ends run() after the current frame (e.g. on SIGTERM).
  void close();
  // Runs until the window closes or `keep_going` returns false. `frame` builds the UI.
  // `frames` > 0: stop after that many frames (screenshots, tests).
  void run(const std::function<void()>& frame, const std::function<bool()>& busy, int frames = 0);
  // With run(..., frames): the last frame is also written to this PNG (before it is shown).
  void request_screenshot(std::string png_path) { shot_path_ = std::move(png_path); }
  std::string font_message() const { return font_message_; }

 private:
  void write_png(const std::string& png_path);
  void* window_ = nullptr;  // GLFWwindow
  std::string shot_path_;
  std::string font_message_;
  int width_ = 0, height_ = 0;
};

// Why there is no window here, and what to do instead (for the message on a headless box).
std::string no_display_help();

}  // namespace honbu::console
