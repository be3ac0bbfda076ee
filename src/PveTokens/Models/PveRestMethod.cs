// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>The HTTP methods of PVE's API, for Invoke-PveRestMethod -Method.</summary>
public enum PveRestMethod
{
    /// <summary>Read.</summary>
    Get,

    /// <summary>Create.</summary>
    Post,

    /// <summary>Update.</summary>
    Put,

    /// <summary>Delete.</summary>
    Delete,
}
