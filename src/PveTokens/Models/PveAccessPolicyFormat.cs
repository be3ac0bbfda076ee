// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>The file formats of an access policy. The policy cmdlets read a file by its extension.</summary>
public enum PveAccessPolicyFormat
{
    /// <summary>A PowerShell data file (.psd1), read without running any of it.</summary>
    Psd1,

    /// <summary>JSON (.json), with the same keys.</summary>
    Json,
}
