// Dynamic extents at evaluation: the rows of one evaluation, and the checks on them.
//
// Every dyn dimension of one evaluation has the same value, the rows: it comes from the
// dynamic leaves (and constants) bound in at(...), which must agree. Where an operation
// combines operands whose rows come from different leaves, a disagreement is reported as a
// ctgrad::shape_error naming the operation and both extents; a stored value whose dyn
// dimension is not its first (a transpose outside a product) is a compile-time error.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/engine/schedule.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/operation.hpp"

namespace ctgrad::detail {

template <class Node>
struct dynamic_node : std::bool_constant<Node::shape_type::dynamic> {};
template <class Node>
struct misplaced_dyn : std::bool_constant<Node::shape_type::dynamic && !Node::shape_type::leading_dynamic> {};

// names for messages (variables per leaf or operation type, not per expression)
template <class Node>
inline constexpr const char* source_name = "a constant";
template <fixed_string N, class T, bool Tr, std::size_t... D>
inline constexpr const char* source_name<leaf<N, T, Tr, D...>> = N.c_str();
template <class Op>
inline constexpr auto operation_name = name_of<Op>();
template <class Op>
inline constexpr const char* operation_text = operation_name<Op>.c_str();
template <>
inline constexpr const char* operation_text<void> = "";

// Where the rows of each step come from, and where an operation meets two sources.
template <class S>
struct dynamic_plan {
  static constexpr std::size_t none = S::size;

 private:
  template <std::size_t... I>
  static constexpr auto dynamic_steps(std::index_sequence<I...>) {
    return std::array<bool, S::size>{dynamic_node<typename S::template node<I>>::value...};
  }

 public:
  static constexpr std::array<bool, S::size> dynamic = dynamic_steps(std::make_index_sequence<S::size>{});
  static constexpr bool any = [] {
    for (bool d : dynamic)
      if (d) return true;
    return false;
  }();

  // per step: the leaf or constant step its rows come from (its first dynamic operand's), or none
  static constexpr std::array<std::size_t, S::size> source = [] {
    std::array<std::size_t, S::size> src{};
    for (std::size_t i = 0; i < S::size; ++i) {
      src[i] = none;
      if (!dynamic[i]) continue;
      if (S::arity[i] == 0) src[i] = i;
      for (std::size_t e = S::edge_offset[i]; e < S::edge_offset[i + 1] && src[i] == none; ++e)
        src[i] = src[S::edge_child[e]];
    }
    return src;
  }();
  // the leaves and constants with a dynamic shape
  struct sources_t {
    std::array<std::size_t, S::size> step{};
    std::size_t size = 0;
  };
  static constexpr sources_t sources = [] {
    sources_t s{};
    for (std::size_t i = 0; i < S::size; ++i)
      if (dynamic[i] && S::arity[i] == 0) s.step[s.size++] = i;
    return s;
  }();
  // operations whose operands take their rows from two different sources
  struct meetings_t {
    std::array<std::size_t, S::size> step{}, first{}, second{}, first_operand{}, second_operand{};
    std::size_t size = 0;
  };
  static constexpr meetings_t meetings = [] {
    meetings_t m{};
    for (std::size_t i = 0; i < S::size; ++i) {
      std::size_t seen = none, seen_k = 0;
      for (std::size_t e = S::edge_offset[i]; e < S::edge_offset[i + 1]; ++e) {
        const std::size_t s = source[S::edge_child[e]];
        if (s == none) continue;
        if (seen == none) {
          seen = s;
          seen_k = e - S::edge_offset[i];
        } else if (s != seen) {
          m.step[m.size] = i;
          m.first[m.size] = seen;
          m.second[m.size] = s;
          m.first_operand[m.size] = seen_k;
          m.second_operand[m.size++] = e - S::edge_offset[i];
          break;
        }
      }
    }
    return m;
  }();

  // (the names, looked up by step)
  template <std::size_t... I>
  static constexpr auto source_names(std::index_sequence<I...>) {
    return std::array<const char*, S::size>{source_name<typename S::template node<I>>...};
  }
  template <std::size_t... I>
  static constexpr auto operation_names(std::index_sequence<I...>) {
    return std::array<const char*, S::size>{operation_text<typename op_of_node<typename S::template node<I>>::type>...};
  }

  // the first step whose value would keep dyn elsewhere than in its first dimension
  template <std::size_t... I>
  static constexpr std::size_t first_misplaced(std::index_sequence<I...>) {
    constexpr bool bad[] = {misplaced_dyn<typename S::template node<I>>::value..., false};
    for (std::size_t i = 0; i < S::size; ++i)
      if (bad[i]) return i;
    return none;
  }
};

// The rows of one evaluation from the rows of its sources (rows[k] of sources.step[k]):
// throws shape_error when they differ.
template <class S>
constexpr std::size_t agreed_rows(const std::array<std::size_t, S::size>& rows) {
  using plan = dynamic_plan<S>;
  constexpr auto& src = plan::sources;
  if constexpr (!plan::any) {
    return 0;
  } else {
    bool agree = true;
    for (std::size_t k = 1; k < src.size; ++k) agree = agree && rows[k] == rows[0];
    if (agree) return src.size ? rows[0] : 0;
    // the first operation that meets two disagreeing sources names them; else the sources
    auto rows_of = [&](std::size_t step) {
      for (std::size_t k = 0; k < src.size; ++k)
        if (src.step[k] == step) return rows[k];
      return std::size_t{0};
    };
    constexpr auto names = plan::source_names(std::make_index_sequence<S::size>{});
    constexpr auto ops = plan::operation_names(std::make_index_sequence<S::size>{});
    constexpr auto& m = plan::meetings;
    for (std::size_t i = 0; i < m.size; ++i) {
      const std::size_t a = rows_of(m.first[i]), b = rows_of(m.second[i]);
      if (a != b)
        throw shape_error(std::string(ops[m.step[i]]) + ": operand " + std::to_string(m.first_operand[i]) + " has " +
                          std::to_string(a) + " rows (from `" + names[m.first[i]] + "`), operand " +
                          std::to_string(m.second_operand[i]) + " " + std::to_string(b) + " rows (from `" +
                          names[m.second[i]] + "`)");
    }
    for (std::size_t k = 1; k < src.size; ++k)
      if (rows[k] != rows[0])
        throw shape_error(std::string("`") + names[src.step[0]] + "` has " + std::to_string(rows[0]) + " rows, `" +
                          names[src.step[k]] + "` " + std::to_string(rows[k]) +
                          " (every dyn extent of one evaluation is the same)");
    return rows[0];
  }
}

}  // namespace ctgrad::detail
