#include "console/platform.hpp"

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb/stb_image_write.h>

#include <cstdlib>
#include <vector>

#include "console/fonts.hpp"
#include "model/errors.hpp"

namespace honbu::console {

namespace {
std::string g_glfw_error;
void on_glfw_error(int code, const char* text) { g_glfw_error = "GLFW error " + std::to_string(code) + ": " + text; }
}  // namespace

std::string no_display_help() {
  return "画面(ディスプレイ)がありません / no display found (DISPLAY and WAYLAND_DISPLAY are not set, or the "
         "X server refused the connection).\n"
         "  - to run this node without a window:      honbu --headless ...   (or honbu-node run ...)\n"
         "  - to see the console on a virtual screen: xvfb-run -s '-screen 0 1920x1080x24' honbu ...\n"
         "  - for a picture of it:                    xvfb-run honbu --screenshot out.png";
}

Platform::Platform(const WindowOptions& o) {
  glfwSetErrorCallback(on_glfw_error);
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) throw Error(no_display_help());
  if (!glfwInit()) throw Error(no_display_help() + "\n  (" + g_glfw_error + ")");
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_VISIBLE, o.visible ? GLFW_TRUE : GLFW_FALSE);
  GLFWwindow* w = glfwCreateWindow(o.width, o.height, o.title.c_str(), nullptr, nullptr);
  if (!w) {
    glfwTerminate();
    throw Error("could not open a window with OpenGL 3 (" + g_glfw_error + ")");
  }
  window_ = w;
  width_ = o.width;
  height_ = o.height;
  glfwMakeContextCurrent(w);
  glfwSwapInterval(1);  // vsync: no more frames than the screen shows
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::StyleColorsDark();
  ImGuiStyle& st = ImGui::GetStyle();
  st.WindowRounding = 4;
  st.FrameRounding = 3;
  ImGui_ImplGlfw_InitForOpenGL(w, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  font_message_ = load_fonts(o.font_size, find_cjk_font());
}

Platform::~Platform() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(static_cast<GLFWwindow*>(window_));
  glfwTerminate();
}

void Platform::wake() { glfwPostEmptyEvent(); }

void Platform::close() { glfwSetWindowShouldClose(static_cast<GLFWwindow*>(window_), GLFW_TRUE); }

void Platform::run(const std::function<void()>& frame, const std::function<bool()>& busy, int frames) {
  GLFWwindow* w = static_cast<GLFWwindow*>(window_);
  int active_frames = 3;  // keep drawing a few frames after anything happened (ImGui settles)
  for (int n = 0; !glfwWindowShouldClose(w) && (frames <= 0 || n < frames); ++n) {
    if (frames > 0 || active_frames > 0 || busy()) {
      glfwPollEvents();
    } else {
      // Idle: sleep until input or a wake-up; once a second anyway, for clocks and ages.
      glfwWaitEventsTimeout(1.0);
      active_frames = 3;
    }
    if (active_frames > 0) --active_frames;
    if (ImGui::GetIO().WantTextInput || ImGui::IsMouseDown(0)) active_frames = 3;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    frame();
    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(w, &fw, &fh);
    width_ = fw;
    height_ = fh;
    glViewport(0, 0, fw, fh);
    glClearColor(0.09f, 0.10f, 0.12f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (!shot_path_.empty() && frames > 0 && n == frames - 1) write_png(shot_path_);
    glfwSwapBuffers(w);
  }
}

void Platform::write_png(const std::string& png_path) {
  std::vector<unsigned char> pixels(static_cast<size_t>(width_) * static_cast<size_t>(height_) * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width_, height_, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  stbi_flip_vertically_on_write(1);
  if (!stbi_write_png(png_path.c_str(), width_, height_, 3, pixels.data(), width_ * 3))
    throw Error("could not write " + png_path);
}

}  // namespace honbu::console
