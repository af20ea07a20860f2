#include "console/headless.hpp"

#include <imgui.h>

#include <chrono>
#include <thread>

namespace honbu::console {

Headless::Headless(float width, float height) {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(width, height);
  io.DeltaTime = 1.0f / 60.0f;
  io.IniFilename = nullptr;
  // Key map as the GLFW backend sets it (GLFW key codes), so the console's shortcuts work.
  io.KeyMap[ImGuiKey_Tab] = 258;
  io.KeyMap[ImGuiKey_LeftArrow] = 263;
  io.KeyMap[ImGuiKey_RightArrow] = 262;
  io.KeyMap[ImGuiKey_UpArrow] = 265;
  io.KeyMap[ImGuiKey_DownArrow] = 264;
  io.KeyMap[ImGuiKey_PageUp] = 266;
  io.KeyMap[ImGuiKey_PageDown] = 267;
  io.KeyMap[ImGuiKey_Home] = 268;
  io.KeyMap[ImGuiKey_End] = 269;
  io.KeyMap[ImGuiKey_Insert] = 260;
  io.KeyMap[ImGuiKey_Delete] = 261;
  io.KeyMap[ImGuiKey_Backspace] = 259;
  io.KeyMap[ImGuiKey_Space] = 32;
  io.KeyMap[ImGuiKey_Enter] = 257;
  io.KeyMap[ImGuiKey_Escape] = 256;
  io.KeyMap[ImGuiKey_KeyPadEnter] = 335;
  io.KeyMap[ImGuiKey_A] = 'A';
  io.KeyMap[ImGuiKey_C] = 'C';
  io.KeyMap[ImGuiKey_V] = 'V';
  io.KeyMap[ImGuiKey_X] = 'X';
  io.KeyMap[ImGuiKey_Y] = 'Y';
  io.KeyMap[ImGuiKey_Z] = 'Z';
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->AddFontDefault();
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas; no GPU texture needed
  io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(1)));
}

Headless::~Headless() { ImGui::DestroyContext(); }

double Headless::frame(const std::function<void()>& build) {
  ImGuiIO& io = ImGui::GetIO();
  if (pending_key_ >= 0) {
    io.KeysDown[pending_key_] = true;
    io.KeyCtrl = pending_ctrl_;
  }
  const auto t0 = std::chrono::steady_clock::now();
  ImGui::NewFrame();
  build();
  ImGui::Render();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (pending_key_ >= 0) {
    io.KeysDown[pending_key_] = false;
    io.KeyCtrl = false;
    pending_key_ = -1;
  }
  return ms;
}

bool Headless::frames_until(const std::function<void()>& build, const std::function<bool()>& pred, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    frame(build);
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  frame(build);
  return pred();
}

void Headless::key(int key, bool ctrl) {
  pending_key_ = key;
  pending_ctrl_ = ctrl;
}

void Headless::type(const char* utf8) { ImGui::GetIO().AddInputCharactersUTF8(utf8); }

void Headless::mouse(float x, float y, bool down) {
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(x, y);
  io.MouseDown[0] = down;
}

}  // namespace honbu::console
