using System.Management.Automation;
using System.Text.RegularExpressions;

namespace PveTokens.Tests.Infrastructure;

/// <summary>
/// Rules every error message of the module keeps, checked over whole classes of errors (the bad-input
/// matrix, the connection and authentication failures): no sentence said twice, whole, as a clause of
/// another, or as the same advice in other words, for example when the message and the recommended
/// action both give it.
/// </summary>
public static class MessageRules
{
    // A sentence ends at '.', '!' or '?' followed by white space; "e.g." and "i.e." do not end one.
    private static readonly Regex SentenceEnd = new(@"(?<!\b(?:e\.g|i\.e|etc))(?<=[.!?])\s+", RegexOptions.CultureInvariant);

    /// <summary>What the user reads for an error: its details when it has them, else the exception's message.</summary>
    public static string TextOf(ErrorRecord e) => e.ErrorDetails?.Message is { Length: > 0 } details ? details : e.Exception.Message;

    // Two sentences of five words or more that share at least half of all their words give the same
    // advice in other words ("Check its spelling, or use its IP address." / "Check the server name, or use its IP address.").
    private static bool SameAdvice(string a, string b)
    {
        HashSet<string> wa = Words(a), wb = Words(b);
        if (wa.Count < 5 || wb.Count < 5)
        {
            return false;
        }

        int common = wa.Count(wb.Contains);
        return common * 2 >= wa.Union(wb).Count();
    }

    private static HashSet<string> Words(string sentence) =>
        Regex.Matches(sentence, @"[\p{L}\p{N}@!._:-]+").Select(m => m.Value.Trim('.', ':')).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The first sentence (normalised) that <paramref name="message"/> says twice, whole or as a
    /// clause of another sentence ("…: run Connect-PveServer first, or … Run Connect-PveServer first."), or null.
    /// </summary>
    public static string? RepeatedSentence(string message)
    {
        var sentences = SentenceEnd.Split(message)
            .Select(s => Regex.Replace(s.Trim().TrimEnd('.', '!', '?').ToLowerInvariant(), @"\s+", " "))
            .Where(s => s.Length >= 12)
            .ToList();
        for (int i = 0; i < sentences.Count; i++)
        {
            for (int j = 0; j < sentences.Count; j++)
            {
                bool clause = i != j && sentences[j].Length <= sentences[i].Length && sentences[i].Contains(sentences[j], StringComparison.Ordinal);
                if (clause || (i < j && SameAdvice(sentences[i], sentences[j])))
                {
                    return sentences[j];
                }
            }
        }

        return null;
    }
}
