// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Globalization;

namespace PveTokens.Access;

/// <summary>The kinds of value a policy file may hold (what a data file or JSON can say without running code).</summary>
internal enum PolicyNodeKind
{
    Map,
    List,
    String,
    Integer,
    Boolean,
    Null,
}

/// <summary>
/// One value of a policy file with the line it starts on, the common form of a .psd1 (read from
/// PowerShell's AST) and a JSON file, so validation and its messages are the same for both.
/// </summary>
internal sealed class PolicyNode
{
    private PolicyNode(PolicyNodeKind kind, int line)
    {
        Kind = kind;
        Line = line;
    }

    internal PolicyNodeKind Kind { get; }

    /// <summary>The 1-based line of the value in its file; 0 when unknown.</summary>
    internal int Line { get; }

    internal string? Text { get; private set; }

    internal long Integer { get; private set; }

    internal bool Boolean { get; private set; }

    /// <summary>The keys of a map in file order, each with its value (keys are compared case-insensitively).</summary>
    internal List<KeyValuePair<string, PolicyNode>> Entries { get; } = new();

    internal List<PolicyNode> Items { get; } = new();

    internal static PolicyNode Map(int line) => new(PolicyNodeKind.Map, line);

    internal static PolicyNode List(int line) => new(PolicyNodeKind.List, line);

    internal static PolicyNode String(string text, int line) => new(PolicyNodeKind.String, line) { Text = text };

    internal static PolicyNode Int(long value, int line) => new(PolicyNodeKind.Integer, line) { Integer = value };

    internal static PolicyNode Bool(bool value, int line) => new(PolicyNodeKind.Boolean, line) { Boolean = value };

    internal static PolicyNode Null(int line) => new(PolicyNodeKind.Null, line);

    /// <summary>What the value is, for a message: "a list", "the string 'x'", "the number 3".</summary>
    internal string Describe() => Kind switch
    {
        PolicyNodeKind.Map => "a table",
        PolicyNodeKind.List => "a list",
        PolicyNodeKind.String => $"the string '{Text}'",
        PolicyNodeKind.Integer => "the number " + Integer.ToString(CultureInfo.InvariantCulture),
        PolicyNodeKind.Boolean => Boolean ? "$true" : "$false",
        _ => "$null",
    };
}
