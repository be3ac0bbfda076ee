// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using PveTokens.Access;

namespace PveTokens.Commands;

/// <summary>
/// Refuses a value of a <see cref="SupportsWildcardsAttribute"/> parameter that is not a valid
/// wildcard pattern ("a[b", "["), when it is bound. <see cref="WildcardPattern"/> parses lazily, so
/// without this the mistake surfaced as a bare WildcardPatternException at the first comparison, or
/// not at all when there was nothing to compare.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateWildcardAttribute : ValidateEnumeratedArgumentsAttribute
{
    /// <summary>How the module matches every wildcard parameter: case-insensitive, culture-invariant.</summary>
    internal const WildcardOptions Options = WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant;

    /// <summary>The pattern for a parameter value, as every wildcard parameter matches it.</summary>
    internal static WildcardPattern Pattern(string value) => WildcardPattern.Get(value.Trim(), Options);

    protected override void ValidateElement(object element)
    {
        if (element is not string value || !WildcardPattern.ContainsWildcardCharacters(value))
        {
            return;
        }

        try
        {
            Pattern(value).IsMatch(string.Empty);
        }
        catch (WildcardPatternException)
        {
            throw new ValidationMetadataException(
                $"'{InputEcho.Quote(value)}' is not a valid wildcard pattern: a '[' opens a set of characters that needs its ']'. Escape a literal bracket with a backtick (`[), or leave it out.");
        }
    }
}
