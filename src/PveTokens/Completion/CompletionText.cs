// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PveTokens.Completion;

/// <summary>A value a completer offers, with the tooltip shown beside it.</summary>
internal readonly struct CompletionCandidate
{
    internal CompletionCandidate(string text, string? toolTip = null)
    {
        Text = text;
        ToolTip = string.IsNullOrEmpty(toolTip) ? text : toolTip!;
    }

    internal string Text { get; }

    internal string ToolTip { get; }
}

/// <summary>Matching and quoting shared by every completer.</summary>
internal static class CompletionText
{
    // Characters that end or change a bare word in argument mode, so a value holding one must be quoted.
    private static readonly char[] NeedsQuotes = { ' ', '\t', '\'', '"', '`', '$', ';', ',', '(', ')', '{', '}', '|', '&', '<', '>', '#', '[', ']' };

    /// <summary>
    /// The candidates whose text starts with <paramref name="wordToComplete"/> (case-insensitive,
    /// wildcards allowed, an opening quote ignored), sorted and de-duplicated, quoted where needed.
    /// </summary>
    internal static IEnumerable<CompletionResult> Complete(IEnumerable<CompletionCandidate> candidates, string? wordToComplete)
    {
        string word = wordToComplete ?? string.Empty;
        char quote = word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word[0] : '\0';
        if (quote != '\0')
        {
            word = word.Substring(1);
            if (word.Length > 0 && word[word.Length - 1] == quote)
            {
                word = word.Substring(0, word.Length - 1);
            }
        }

        var pattern = WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        return candidates
            .Where(c => !string.IsNullOrEmpty(c.Text) && pattern.IsMatch(c.Text))
            .GroupBy(c => c.Text, StringComparer.Ordinal)
            .Select(g => g.First())
            .OrderBy(c => c.Text, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c.Text, quote), c.Text, CompletionResultType.ParameterValue, c.ToolTip))
            .ToList();
    }

    /// <summary>
    /// <paramref name="value"/> as it must be typed: unchanged when it is a plain word, else in
    /// single quotes (or in the quote the user opened) with embedded quotes doubled.
    /// </summary>
    internal static string Quote(string value, char openedQuote = '\0')
    {
        bool needs = openedQuote != '\0' || value.Length == 0 || value.IndexOfAny(NeedsQuotes) >= 0 ||
            value[0] == '@' || value[0] == '-';
        if (!needs)
        {
            return value;
        }

        if (openedQuote == '"')
        {
            return "\"" + value.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + "\"";
        }

        return "'" + value.Replace("'", "''") + "'";
    }
}
