// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Access;

/// <summary>
/// A set of privileges as bits (index = position in the evaluator's sorted privilege list). PVE 9.2
/// has 47 privileges; two words leave room for every future one, and make the union and intersection
/// of role sets, done for every principal and path of a report, two machine instructions each.
/// </summary>
internal readonly struct PrivilegeMask
{
    internal const int Capacity = 128;

    private readonly ulong _low;
    private readonly ulong _high;

    private PrivilegeMask(ulong low, ulong high)
    {
        _low = low;
        _high = high;
    }

    internal static PrivilegeMask Empty => default;

    internal bool IsEmpty => (_low | _high) == 0;

    internal static PrivilegeMask Of(int index) =>
        index < 64 ? new PrivilegeMask(1UL << index, 0) : new PrivilegeMask(0, 1UL << (index - 64));

    internal bool Contains(int index) =>
        index < 64 ? (_low & (1UL << index)) != 0 : (_high & (1UL << (index - 64))) != 0;

    internal bool Overlaps(PrivilegeMask other) => ((_low & other._low) | (_high & other._high)) != 0;

    public static PrivilegeMask operator |(PrivilegeMask a, PrivilegeMask b) => new(a._low | b._low, a._high | b._high);

    public static PrivilegeMask operator &(PrivilegeMask a, PrivilegeMask b) => new(a._low & b._low, a._high & b._high);
}
