// C++ in Sole (issue 6's app tests): exceptions thrown through several
// frames and caught by type (the unwinder in libgcc_s reads .eh_frame of
// the program and of libstdc++), a rethrow, an exception from the library
// itself (std::vector::at), destructors run while unwinding, and iostreams.
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

int destroyed = 0;

struct Guard {
    ~Guard() { destroyed++; }
};

struct Custom : std::runtime_error {
    int code;
    explicit Custom(int c) : std::runtime_error("custom " + std::to_string(c)), code(c) {}
};

[[gnu::noinline]] int deep(int depth) {
    Guard g;
    if (depth == 0)
        throw Custom(42);
    return deep(depth - 1) + 1;
}

}  // namespace

int main() {
    std::cout << "Hello from C++" << std::endl;
    try {
        deep(5);
    } catch (const Custom &e) {
        std::cout << "caught " << e.what() << " code " << e.code << ", " << destroyed
                  << " destructors ran" << std::endl;
    }
    try {
        try {
            throw std::runtime_error("inner");
        } catch (const std::exception &) {
            std::cout << "rethrowing" << std::endl;
            throw;
        }
    } catch (const std::runtime_error &e) {
        std::cout << "caught again: " << e.what() << std::endl;
    }
    std::vector<int> v{1, 2, 3};
    try {
        v.at(10);
    } catch (const std::out_of_range &) {
        std::cout << "out_of_range from libstdc++" << std::endl;
    }
    auto p = std::make_unique<std::string>("unique");
    std::cout << *p << " " << v.size() << std::endl;
    return 0;
}
