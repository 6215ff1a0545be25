// The GitHub edge of reporting: the comment body, the Octokit factory, publishing the comment, and choosing the
// annotations. The only module besides src/action/ that talks to GitHub; it takes an Octokit and plain data and
// never calls @actions/core (the action entry does).
export {
  COMMENT_MARKER,
  GITHUB_COMMENT_LIMIT,
  commentBody,
  commentMarker,
  readVersionData,
  truncateMarkdown,
  versionData,
  truncationNotice,
} from './github/body.js';
export { createOctokit, type OctokitOptions } from './github/octokit.js';
export {
  ACTIONS_BOT_LOGIN,
  publishComment,
  type CommentMode,
  type CommentTarget,
  type PublishOptions,
  type PublishOutcome,
} from './github/publish.js';
export {
  annotationTitle,
  selectAnnotations,
  type Annotation,
  type AnnotationLevel,
  type AnnotationSelection,
} from './github/annotations.js';
